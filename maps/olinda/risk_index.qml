<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="0.017826637253165245" classificationMax="0.27084460854530334" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="0.017826637253165245" maximumValue="0.27084460854530334">
          <item value="0.017826637253165245" color="#ffffb2" alpha="255" label="≤ 0.0178"/>
          <item value="0.09151654690504074" color="#fecc5c" alpha="255" label="0.0178 – 0.0915"/>
          <item value="0.17742975056171417" color="#fd8d3c" alpha="255" label="0.0915 – 0.177"/>
          <item value="0.27084460854530334" color="#f03b20" alpha="255" label="0.177 – 0.271"/>
          <item value="inf" color="#bd0026" alpha="255" label="&gt; 0.271"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>

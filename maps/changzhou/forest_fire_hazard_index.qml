<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="0.11998736006872994" classificationMax="0.7199241604123796" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="0.11998736006872994" maximumValue="0.7199241604123796">
          <item value="0.11998736006872994" color="#f2f0f7" alpha="255" label="≤ 0.12"/>
          <item value="0.23997472013745988" color="#dadaeb" alpha="255" label="0.12 – 0.24"/>
          <item value="0.3599620802061898" color="#bcbddc" alpha="255" label="0.24 – 0.36"/>
          <item value="0.47994944027491976" color="#9e9ac8" alpha="255" label="0.36 – 0.48"/>
          <item value="0.5999368003436497" color="#807dba" alpha="255" label="0.48 – 0.6"/>
          <item value="0.7199241604123796" color="#6a51a3" alpha="255" label="0.6 – 0.72"/>
          <item value="inf" color="#4a1486" alpha="255" label="&gt; 0.72"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
